package io.outpost.examples.pharmacy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The command line, parsed by hand: one command word and {@code --name value} (or {@code --name=value}) options,
 * before or after the command. A few options are flags without a value.
 */
final class Args {

    /** Options that take no value. */
    static final Set<String> FLAGS = Set.of("help", "off", "allow-unknown-patient");
    /** Options that may be given more than once. */
    static final Set<String> REPEATABLE = Set.of("allergy");

    /** A command line that cannot be run: exit code 2 and a hint to {@code --help}. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    private final String command;
    private final Map<String, List<String>> options;
    private final Set<String> flags;

    private Args(String command, Map<String, List<String>> options, Set<String> flags) {
        this.command = command;
        this.options = options;
        this.flags = flags;
    }

    static Args parse(String[] argv) throws UsageException {
        String command = null;
        Map<String, List<String>> options = new LinkedHashMap<>();
        Set<String> flags = new LinkedHashSet<>();
        for (int i = 0; i < argv.length; i++) {
            String arg = argv[i];
            if (arg.equals("-h")) {
                flags.add("help");
            } else if (arg.startsWith("--") && arg.length() > 2) {
                String name = arg.substring(2);
                String value = null;
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    value = name.substring(eq + 1);
                    name = name.substring(0, eq);
                }
                if (FLAGS.contains(name)) {
                    if (value != null) {
                        throw new UsageException("--" + name + " takes no value");
                    }
                    flags.add(name);
                    continue;
                }
                if (value == null) {
                    if (i + 1 >= argv.length) {
                        throw new UsageException("--" + name + " needs a value");
                    }
                    value = argv[++i];
                }
                List<String> values = options.computeIfAbsent(name, n -> new ArrayList<>());
                if (!values.isEmpty() && !REPEATABLE.contains(name)) {
                    throw new UsageException("--" + name + " given twice");
                }
                values.add(value);
            } else if (arg.startsWith("-") && arg.length() > 1 && !isNumber(arg)) {
                throw new UsageException("unknown option " + arg + " (options are --name value)");
            } else if (command == null) {
                command = arg;
            } else {
                throw new UsageException("unexpected argument '" + arg + "' after the command " + command);
            }
        }
        return new Args(command, options, flags);
    }

    private static boolean isNumber(String s) {
        try {
            Double.parseDouble(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    String command() {
        return command;
    }

    boolean flag(String name) {
        return flags.contains(name);
    }

    Optional<String> option(String name) {
        List<String> values = options.get(name);
        return values == null ? Optional.empty() : Optional.of(values.get(0));
    }

    List<String> all(String name) {
        return options.getOrDefault(name, List.of());
    }

    String required(String name) throws UsageException {
        String value = option(name).orElseThrow(() -> new UsageException(command + " needs --" + name));
        if (value.isBlank()) {
            throw new UsageException("--" + name + " must not be blank");
        }
        return value;
    }

    /** Fails on any option or flag that is neither global nor one of {@code allowed}. */
    void allowOnly(Set<String> global, String... allowed) throws UsageException {
        Set<String> ok = new LinkedHashSet<>(global);
        ok.addAll(List.of(allowed));
        ok.add("help");
        for (String name : options.keySet()) {
            if (!ok.contains(name)) {
                throw new UsageException("unknown option --" + name + (command == null ? "" : " for " + command));
            }
        }
        for (String name : flags) {
            if (!ok.contains(name)) {
                throw new UsageException("unknown option --" + name + (command == null ? "" : " for " + command));
            }
        }
    }
}
