package io.outpost.examples.pharmacy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.examples.pharmacy.Args.UsageException;
import io.outpost.sdk.CollectionOptions;
import io.outpost.sdk.Conflict;
import io.outpost.sdk.InvalidWriteException;
import io.outpost.sdk.LocalRecord;
import io.outpost.sdk.OperationError;
import io.outpost.sdk.QueuedOperation;
import io.outpost.sdk.StoreKey;
import io.outpost.sdk.SyncClient;
import io.outpost.sdk.Subscription;
import io.outpost.sdk.SyncError;
import io.outpost.sdk.SyncListener;
import io.outpost.sdk.SyncResult;
import io.outpost.sdk.SyncStatus;
import io.outpost.sdk.WrongStoreKeyException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Pattern;

/**
 * A pharmacy device on the command line: dispenses medication into the local store of the Outpost Java SDK, works
 * with the server down, and syncs when asked. Plays the device side of {@code examples/pharmacy} (collections
 * {@code patients} and {@code dispenses}).
 *
 * <p>Exit codes: 0 done; 1 the command could not be done (server unreachable or refusing, unknown op or patient);
 * 2 bad command line.
 */
public final class PharmacyDevice {

    static final String DEFAULT_SERVER = "http://localhost:8080/api/v1";
    static final String DEFAULT_USER = "pharmacist1";
    static final String DEFAULT_PASSWORD = "pharmacy-demo-1"; // the demo account of examples/pharmacy (demo only)
    static final String DEFAULT_STORE = "./pharmacy-device-data";

    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;

    private static final Set<String> GLOBAL = Set.of("server", "user", "password", "store", "store-password");
    // what examples/pharmacy/schemas/*.schema.json allow, checked here so that a typo fails now, not at the next sync
    private static final List<String> UNITS = List.of("tablet", "capsule", "ml", "sachet", "patch", "vial", "ampoule",
            "inhaler", "suppository", "dose");
    private static final List<String> SEXES = List.of("female", "male", "other", "unknown");
    private static final Pattern DATE = Pattern.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}");
    private static final Pattern PHONE = Pattern.compile("\\+?[0-9 ()-]{5,24}");

    static final String USAGE_TEXT = """
            Usage: pharmacy-device [global options] <command> [options]

            A pharmacy tablet/till on the Outpost Java SDK. Every change is saved in the local store first and
            works without the server; `sync` sends it when the server is reachable.

            Commands:
              patient --id P --given-name G --family-name F --dob YYYY-MM-DD
                      [--sex female|male|other|unknown] [--phone N] [--allergy A]... [--notes T]
                                     add a patient on this device (a dispense must name an existing patient)
              patients               list the patients on this device
              dispense --patient P --medication M --dose-mg N --quantity Q
                      [--unit tablet] [--prescription REF] [--notes T] [--allow-unknown-patient]
                                     record a dispense (now, by the signed-in pharmacist); saved locally
              list                   list the dispenses on this device (PENDING: not yet on the server)
              status                 pending / failed / conflict counts, last sync, device id, auto-sync
              sync                   push the pending changes and pull the server's (exit 1 if it did not complete)
              failed                 list the changes the server rejected (and open conflicts), with its error
              discard --op N         drop a failed or conflicted change from the queue
              auto-sync --interval S | --off
                                     turn auto-sync on (every S seconds, 30-3600) or off; kept in the store,
                                     used by `watch` and any long-running client of this store
              watch                  stay running and sync by itself (auto-sync), printing each change; Ctrl-C ends
              encrypt-store --new-store-password PW
                                     encrypt this user's store with a key derived from PW (a plain store is
                                     encrypted; an encrypted one, opened with --store-password, gets the new one)

            Global options (also after the command):
              --server URL           API root (default %s; env OUTPOST_SERVER)
              --user NAME            account (default %s; env OUTPOST_USER)
              --password PW          its password (default: the demo password; env OUTPOST_PASSWORD)
              --store DIR            folder of the local store, one file per user (default %s)
              --store-password PW    the store is encrypted with a key derived from PW (env OUTPOST_STORE_PASSWORD;
                                     without it the store is plain)
              --help, -h             this text

            Exit codes: 0 done, 1 could not be done (e.g. server offline), 2 bad command line.
            """.formatted(DEFAULT_SERVER, DEFAULT_USER, DEFAULT_STORE);

    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;

    PharmacyDevice(PrintStream out, PrintStream err, Map<String, String> env) {
        this.out = out;
        this.err = err;
        this.env = env;
    }

    public static void main(String[] argv) {
        quietJdkLogging();
        int code = new PharmacyDevice(System.out, System.err, System.getenv()).run(argv);
        System.out.flush();
        System.exit(code);
    }

    int run(String[] argv) {
        Args args;
        try {
            args = Args.parse(argv);
            if (args.flag("help") || args.command() == null || args.command().equals("help")) {
                args.allowOnly(GLOBAL);
                boolean asked = args.flag("help") || args.command() != null;
                (asked ? out : err).print(USAGE_TEXT);
                return asked ? OK : USAGE;
            }
            return dispatch(args);
        } catch (UsageException e) {
            err.println("error: " + e.getMessage());
            err.println("run `pharmacy-device --help` for the commands and options");
            return USAGE;
        }
    }

    private int dispatch(Args args) throws UsageException {
        String command = args.command();
        switch (command) {
            case "patient" -> args.allowOnly(GLOBAL, "id", "given-name", "family-name", "dob", "sex", "phone",
                    "allergy", "notes");
            case "dispense" -> args.allowOnly(GLOBAL, "patient", "medication", "dose-mg", "quantity", "unit",
                    "prescription", "notes", "allow-unknown-patient");
            case "discard" -> args.allowOnly(GLOBAL, "op");
            case "auto-sync" -> args.allowOnly(GLOBAL, "interval", "off");
            case "encrypt-store" -> args.allowOnly(GLOBAL, "new-store-password");
            case "patients", "list", "status", "sync", "failed", "watch" -> args.allowOnly(GLOBAL);
            default -> throw new UsageException("unknown command '" + command + "'");
        }
        // check the command's own arguments before opening the store
        ObjectNode patient = command.equals("patient") ? patientData(args) : null;
        String patientId = command.equals("patient") ? args.required("id") : null;
        ObjectNode dispense = command.equals("dispense") ? dispenseData(args) : null;
        long opId = command.equals("discard") ? opId(args) : 0;
        Integer interval = command.equals("auto-sync") ? autoSyncInterval(args) : null;
        String newStorePassword = command.equals("encrypt-store") ? args.required("new-store-password") : null;

        Settings settings = settings(args);
        if (command.equals("watch")) {
            return watch(settings);
        }
        try (SyncClient client = settings.client(true)) {
            return switch (command) {
                case "patient" -> addPatient(client, patientId, patient);
                case "patients" -> listPatients(client);
                case "dispense" -> dispense(client, dispense, args.flag("allow-unknown-patient"));
                case "list" -> listDispenses(client);
                case "status" -> status(client, settings);
                case "sync" -> sync(client);
                case "failed" -> failed(client);
                case "discard" -> discard(client, opId);
                case "auto-sync" -> autoSync(client, interval);
                case "encrypt-store" -> encryptStore(client, newStorePassword);
                default -> throw new IllegalStateException(command);
            };
        } catch (WrongStoreKeyException e) {
            err.println("error: " + e.getMessage());
            err.println("  give the store's password with --store-password (or OUTPOST_STORE_PASSWORD)");
            return FAILED;
        } catch (InvalidWriteException e) {
            // the SDK checked the write against the server's rules (schema, append-only, canWrite) and refused it
            // before queueing: nothing was saved
            err.println("error: not saved: the server's rules refuse it (" + e.error().code() + "): "
                    + e.error().message());
            e.fields().forEach(f -> err.println("  " + f.field() + ": " + f.message()));
            return USAGE;
        } catch (IllegalStateException | IllegalArgumentException e) {
            // e.g. the store is open in another client, or a record exists already
            err.println("error: " + e.getMessage());
            return FAILED;
        } catch (RuntimeException e) {
            // e.g. the local store cannot be opened or written
            err.println("error: " + e);
            return FAILED;
        }
    }

    // ------------------------------------------------------------------------------------------------ settings

    record Settings(URI server, String user, String password, Path store, String storePassword) {
        SyncClient client(boolean oneShot) {
            SyncClient.Builder builder = SyncClient.builder()
                    .baseUri(server)
                    .credentials(user, password)
                    .storeDirectory(store)
                    .collection("patients")
                    // client ids in both collections (examples/pharmacy/outpost.yml has no id-mode: server); the
                    // reference is declared as on the server
                    .collection("dispenses", CollectionOptions.defaults().reference("patientId", "patients"))
                    .timeout(Duration.ofSeconds(15))
                    // a one-shot command syncs only on `sync`; `watch` starts its first sync itself, once it listens
                    .syncOnStart(false);
            if (oneShot) {
                builder.syncAfterWrite(Duration.ZERO); // the process ends right after a write
            }
            if (storePassword != null) {
                // the whole store file encrypted (a lost tablet's patients and dispenses are unreadable)
                builder.encryption(StoreKey.fromPassword(storePassword.toCharArray()));
            }
            return builder.build();
        }
    }

    private Settings settings(Args args) throws UsageException {
        String server = args.option("server").orElse(env.getOrDefault("OUTPOST_SERVER", DEFAULT_SERVER));
        URI uri;
        try {
            uri = new URI(server);
        } catch (URISyntaxException e) {
            throw new UsageException("--server: not a URL: " + server);
        }
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
            throw new UsageException("--server must be an http(s) URL such as " + DEFAULT_SERVER + ", was " + server);
        }
        String user = args.option("user").orElse(env.getOrDefault("OUTPOST_USER", DEFAULT_USER));
        String password = args.option("password").orElse(env.getOrDefault("OUTPOST_PASSWORD", DEFAULT_PASSWORD));
        if (user.isBlank()) {
            throw new UsageException("--user must not be blank");
        }
        Path store = Path.of(args.option("store").orElse(DEFAULT_STORE));
        String storePassword = args.option("store-password").orElse(env.get("OUTPOST_STORE_PASSWORD"));
        if (storePassword != null && storePassword.isEmpty()) {
            throw new UsageException("--store-password must not be empty");
        }
        return new Settings(uri, user, password, store, storePassword);
    }

    // ------------------------------------------------------------------------------------------------ patients

    private static ObjectNode patientData(Args args) throws UsageException {
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        String id = args.required("id");
        if (id.length() > 128 || id.startsWith("tmp-")) {
            throw new UsageException("--id must be at most 128 characters and not start with tmp-");
        }
        data.put("givenName", text(args, "given-name", 100));
        data.put("familyName", text(args, "family-name", 100));
        String dob = args.required("dob");
        if (!DATE.matcher(dob).matches()) {
            throw new UsageException("--dob must be a date YYYY-MM-DD, was " + dob);
        }
        try {
            if (LocalDate.parse(dob).isAfter(LocalDate.now())) {
                throw new UsageException("--dob is in the future: " + dob);
            }
        } catch (DateTimeParseException e) {
            throw new UsageException("--dob is not a calendar date: " + dob);
        }
        data.put("dateOfBirth", dob);
        Optional<String> sex = args.option("sex");
        if (sex.isPresent()) {
            if (!SEXES.contains(sex.get())) {
                throw new UsageException("--sex must be one of " + String.join(", ", SEXES) + ", was " + sex.get());
            }
            data.put("sex", sex.get());
        }
        Optional<String> phone = args.option("phone");
        if (phone.isPresent()) {
            if (!PHONE.matcher(phone.get()).matches()) {
                throw new UsageException("--phone must be 5-24 digits, spaces, ()- with an optional leading +");
            }
            data.put("phone", phone.get());
        }
        Set<String> allergies = new LinkedHashSet<>();
        for (String a : args.all("allergy")) {
            if (a.isBlank() || a.length() > 100) {
                throw new UsageException("--allergy must be 1-100 characters");
            }
            allergies.add(a);
        }
        if (!allergies.isEmpty()) {
            allergies.forEach(data.putArray("allergies")::add);
        }
        optionalText(args, "notes", 2000).ifPresent(n -> data.put("notes", n));
        return data;
    }

    private int addPatient(SyncClient client, String id, ObjectNode data) {
        if (client.records("patients").get(id).isPresent()) {
            err.println("error: patient " + id + " is on this device already");
            return FAILED;
        }
        client.records("patients").create(id, data);
        out.println("patient " + id + " saved locally, pending sync (" + client.status().pendingOps() + " pending)");
        return OK;
    }

    private int listPatients(SyncClient client) {
        List<LocalRecord> patients = client.records("patients").list();
        if (patients.isEmpty()) {
            out.println("no patients on this device (add one with `patient`, or `sync` to fetch the server's)");
            return OK;
        }
        out.printf("%-8s %4s  %-20s %-30s %-10s %s%n", "STATE", "VER", "ID", "NAME", "BORN", "ALLERGIES");
        for (LocalRecord p : patients) {
            JsonNode d = p.data();
            List<String> allergies = new ArrayList<>();
            d.path("allergies").forEach(a -> allergies.add(a.asText()));
            out.printf("%-8s %4d  %-20s %-30s %-10s %s%n", marker(p), p.version(), p.id(),
                    d.path("givenName").asText() + " " + d.path("familyName").asText(),
                    d.path("dateOfBirth").asText(), allergies.isEmpty() ? "-" : String.join(", ", allergies));
        }
        out.println(count(patients.size(), "patient") + ", " + patients.stream().filter(LocalRecord::pending).count()
                + " pending");
        return OK;
    }

    // ------------------------------------------------------------------------------------------------ dispenses

    private static ObjectNode dispenseData(Args args) throws UsageException {
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        String patient = args.required("patient");
        if (patient.length() > 128) {
            throw new UsageException("--patient must be at most 128 characters");
        }
        data.put("patientId", patient);
        data.put("medication", text(args, "medication", 200));
        String dose = args.required("dose-mg");
        BigDecimal doseMg;
        try {
            doseMg = new BigDecimal(dose);
        } catch (NumberFormatException e) {
            throw new UsageException("--dose-mg must be a number of milligrams, was " + dose);
        }
        if (doseMg.signum() <= 0) {
            throw new UsageException("--dose-mg must be more than 0, was " + dose);
        }
        if (doseMg.stripTrailingZeros().scale() <= 0) {
            data.put("doseMg", doseMg.longValueExact());
        } else {
            data.put("doseMg", doseMg.doubleValue());
        }
        String quantity = args.required("quantity");
        int q;
        try {
            q = Integer.parseInt(quantity);
        } catch (NumberFormatException e) {
            throw new UsageException("--quantity must be a whole number, was " + quantity);
        }
        if (q < 1) {
            throw new UsageException("--quantity must be at least 1, was " + quantity);
        }
        data.put("quantity", q);
        String unit = args.option("unit").orElse("tablet");
        if (!UNITS.contains(unit)) {
            throw new UsageException("--unit must be one of " + String.join(", ", UNITS) + ", was " + unit);
        }
        data.put("unit", unit);
        // dispensedAt and pharmacist are set when saving
        optionalText(args, "prescription", 100).ifPresent(r -> data.put("prescriptionRef", r));
        data.put("status", "dispensed");
        optionalText(args, "notes", 2000).ifPresent(n -> data.put("notes", n));
        return data;
    }

    private int dispense(SyncClient client, ObjectNode data, boolean allowUnknownPatient) {
        String patientId = data.get("patientId").asText();
        if (client.records("patients").get(patientId).isEmpty()) {
            if (!allowUnknownPatient) {
                err.println("error: patient " + patientId + " is not on this device. Add it with `patient --id "
                        + patientId + " ...`, or `sync` to fetch the server's patients; or dispense anyway with "
                        + "--allow-unknown-patient (the server rejects the dispense with invalid_reference if it has "
                        + "no such patient)");
                return FAILED;
            }
            err.println("warning: patient " + patientId + " is not on this device; the server will check it");
        }
        if (client.user().length() > 100) {
            err.println("error: the user name is too long for the pharmacist field (100 characters)");
            return FAILED;
        }
        data.put("dispensedAt", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        data.put("pharmacist", client.user());
        LocalRecord saved = client.records("dispenses").create(data); // a UUID of the client's
        out.println("dispense " + saved.id() + " (" + data.get("medication").asText() + " " + data.get("doseMg")
                + " mg, " + data.get("quantity") + " " + data.get("unit").asText() + " for " + patientId
                + ") saved locally, pending sync (" + client.status().pendingOps() + " pending)");
        return OK;
    }

    private int listDispenses(SyncClient client) {
        List<LocalRecord> dispenses = new ArrayList<>(client.records("dispenses").list());
        if (dispenses.isEmpty()) {
            out.println("no dispenses on this device");
            printHidden(client);
            return OK;
        }
        dispenses.sort(Comparator.comparing((LocalRecord r) -> r.data().path("dispensedAt").asText())
                .thenComparing(LocalRecord::id));
        out.printf("%-8s %4s  %-20s %-12s %-20s %10s %-14s %-12s %s%n", "STATE", "VER", "DISPENSED AT", "PATIENT",
                "MEDICATION", "DOSE", "QUANTITY", "PHARMACIST", "ID");
        for (LocalRecord r : dispenses) {
            JsonNode d = r.data();
            out.printf("%-8s %4d  %-20s %-12s %-20s %10s %-14s %-12s %s%n", marker(r), r.version(),
                    d.path("dispensedAt").asText(), d.path("patientId").asText(), d.path("medication").asText(),
                    d.path("doseMg").asText() + " mg", d.path("quantity").asText() + " " + d.path("unit").asText(),
                    d.path("pharmacist").asText(), r.id());
        }
        out.println(count(dispenses.size(), "dispense") + ", " + dispenses.stream().filter(LocalRecord::pending).count()
                + " pending");
        printHidden(client);
        return OK;
    }

    /** A change the server rejected leaves the list (the record shows the server's state): say so. */
    private void printHidden(SyncClient client) {
        SyncStatus s = client.status();
        if (s.failedOps() + s.openConflicts() > 0) {
            out.println("not shown as written: " + s.failedOps() + " rejected change(s), " + s.openConflicts()
                    + " open conflict(s) - see `failed`");
        }
    }

    private static String marker(LocalRecord r) {
        return r.pending() ? "PENDING" : "synced";
    }

    // ------------------------------------------------------------------------------------------------ sync

    private int status(SyncClient client, Settings settings) {
        SyncStatus s = client.status();
        LastSync last = LastSync.read(client);
        out.println("user:               " + client.user());
        out.println("device id:          " + client.deviceId());
        out.println("server:             " + settings.server());
        out.println("store:              " + client.storeFile()
                + (settings.storePassword() != null ? " (encrypted)" : ""));
        out.println("pending changes:    " + s.pendingOps());
        out.println("failed changes:     " + s.failedOps() + (s.failedOps() > 0 ? "  (see `failed`)" : ""));
        out.println("open conflicts:     " + s.openConflicts() + (s.openConflicts() > 0 ? "  (see `failed`)" : ""));
        out.println("auto-sync:          " + (client.autoSyncEnabled()
                ? "on, every " + client.autoSyncIntervalSeconds() + " s (in `watch`)"
                : "off (interval " + client.autoSyncIntervalSeconds() + " s)"));
        out.println("last sync attempt:  " + last.attempt.map(PharmacyDevice::time).orElse("never")
                + last.outcome.map(o -> " - " + o).orElse(""));
        out.println("last sync complete: " + last.success.map(PharmacyDevice::time).orElse("never"));
        return OK;
    }

    private int sync(SyncClient client) {
        SyncResult r;
        try {
            r = client.syncNow();
        } catch (RuntimeException e) { // the local store failed during the sync (SyncError.Kind.LOCAL)
            LastSync.record(client, client.status());
            err.println("error: the sync stopped on a local failure: " + e);
            return FAILED;
        }
        SyncStatus s = client.status();
        LastSync.record(client, s);
        String counts = "pushed %d, applied %d, merged %d, conflicts %d, rejected %d, pulled %d".formatted(r.pushed(),
                r.applied(), r.merged(), r.conflicts(), r.rejected(), r.pulled());
        String now = "now: %d pending, %d failed, %d open conflicts".formatted(s.pendingOps(), s.failedOps(),
                s.openConflicts());
        if (r.ok()) {
            out.println("sync complete in " + millis(r.duration()) + ": " + counts);
            out.println(now);
            if (r.rejected() > 0 || r.conflicts() > 0) {
                out.println("see `failed` for what the server rejected or parked");
            }
            return OK;
        }
        SyncError e = r.error().get();
        out.println("sync did not complete (" + millis(r.duration()) + "): " + e);
        hint(e).ifPresent(h -> out.println("  " + h));
        out.println(counts + ", not delivered " + r.failed());
        out.println(now + " (pending changes are kept and sent by the next sync)");
        return FAILED;
    }

    /** What to do about a sync error, in a pharmacist's words. */
    private static Optional<String> hint(SyncError e) {
        return switch (e.kind()) {
            case OFFLINE -> Optional.of("the server is not reachable; everything stays on this device");
            case UNAUTHORIZED -> Optional.of(signInUnanswered(e)
                    // the SDK reports a sign-in that got no answer as UNAUTHORIZED, not OFFLINE
                    ? "the server did not answer the sign-in: it is offline or unreachable; everything stays on "
                    + "this device"
                    : e.status() == 0 ? "the sign-in failed: check --user and --password (and --server)"
                    : "the server refused the user or password");
            case FORBIDDEN -> Optional.of("the server refuses this device for this user");
            case BUSY -> Optional.of("the server is busy; try again later");
            default -> Optional.empty();
        };
    }

    /** The SDK's message names the exception of the token provider, e.g. {@code ConnectException}. */
    static boolean signInUnanswered(SyncError e) {
        return e.status() == 0 && e.message().startsWith("the token provider failed: ")
                && Set.of("ConnectException", "HttpConnectTimeoutException", "HttpTimeoutException",
                "UnknownHostException", "UnresolvedAddressException", "NoRouteToHostException")
                .contains(e.message().substring("the token provider failed: ".length()));
    }

    private static String millis(Duration d) {
        return d.toMillis() + " ms";
    }

    private int failed(SyncClient client) {
        List<QueuedOperation> failed = client.failedOps();
        List<QueuedOperation> conflicts = client.conflictedOps();
        if (failed.isEmpty() && conflicts.isEmpty()) {
            out.println("no failed changes, no open conflicts");
            return OK;
        }
        if (!failed.isEmpty()) {
            out.println("rejected by the server (" + failed.size() + "):");
            for (QueuedOperation op : failed) {
                out.println("  op " + op.opId() + ": " + describe(op));
                op.error().ifPresent(e -> printError(e));
            }
        }
        if (!conflicts.isEmpty()) {
            out.println("open conflicts (" + conflicts.size() + "):");
            for (QueuedOperation op : conflicts) {
                out.println("  op " + op.opId() + ": " + describe(op));
                op.conflict().ifPresent(this::printConflict);
            }
        }
        out.println("drop one with `discard --op N`");
        return OK;
    }

    private void printError(OperationError e) {
        out.println("      " + e.code() + ": " + e.message());
        for (OperationError.FieldError f : e.fields()) {
            out.println("      " + f.field() + ": " + f.message());
        }
    }

    private void printConflict(Conflict c) {
        out.println("      conflict" + c.conflictId().map(id -> " " + id).orElse("") + c.strategy().map(s -> " (" + s
                + ")").orElse("") + c.reason().map(r -> ", " + r).orElse("") + ": server version " + c.serverVersion() + (c.fields().isEmpty() ? ""
                : ", fields " + String.join(", ", c.fields())));
    }

    private static String describe(QueuedOperation op) {
        return op.type().wireName() + " " + op.collection() + "/" + op.id() + ", written " + time(op.createdAt())
                + (op.data() == null ? "" : ", " + op.data());
    }

    private int discard(SyncClient client, long opId) {
        Optional<QueuedOperation> op = java.util.stream.Stream.concat(client.failedOps().stream(),
                client.conflictedOps().stream()).filter(o -> o.opId() == opId).findFirst();
        if (op.isEmpty() || !client.discard(opId)) {
            err.println("error: no failed or conflicted change with op " + opId + " (see `failed`)");
            return FAILED;
        }
        QueuedOperation o = op.get();
        boolean onDevice = client.records(o.collection()).get(o.id()).isPresent();
        out.println("op " + opId + " (" + o.type().wireName() + " " + o.collection() + "/" + o.id() + ") discarded; "
                + (onDevice ? "the record shows the server's state" : "the record is not on this device any more"));
        return OK;
    }

    private int autoSync(SyncClient client, Integer interval) {
        try {
            if (interval == null) {
                client.setAutoSync(false, client.autoSyncIntervalSeconds());
            } else {
                client.setAutoSync(true, interval);
            }
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            return USAGE;
        }
        out.println("auto-sync " + (client.autoSyncEnabled() ? "on, every " + client.autoSyncIntervalSeconds() + " s"
                : "off") + " (kept in the store)");
        return OK;
    }

    /**
     * Runs until Ctrl-C with the SDK's own triggers: a sync at start, auto-sync on its interval, retries with backoff
     * while the server is away. Prints each status change.
     */
    private int watch(Settings settings) {
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop.countDown();
            try {
                closed.await(40, java.util.concurrent.TimeUnit.SECONDS); // close() waits for a running sync
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "pharmacy-device-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try (SyncClient client = settings.client(false)) {
            out.println("watching as " + client.user() + " against " + settings.server() + ", auto-sync "
                    + (client.autoSyncEnabled() ? "every " + client.autoSyncIntervalSeconds() + " s" : "OFF (only a "
                    + "sync at start; turn it on with `auto-sync --interval S`)") + "; Ctrl-C ends");
            java.util.concurrent.atomic.AtomicReference<String> last = new java.util.concurrent.atomic.AtomicReference<>();
            SyncListener print = s -> {
                if (s.lastAttemptAt().isPresent() && s.state() != SyncStatus.State.SYNCING) {
                    LastSync.record(client, s);
                }
                String line = s.state() + ": " + s.pendingOps() + " pending, " + s.failedOps() + " failed, "
                        + s.openConflicts() + " open conflicts"
                        + (s.state() == SyncStatus.State.SYNCING ? "" : s.lastError().map(e -> " - " + e).orElse(""))
                        + s.nextAttemptAt().map(t -> ", next try " + time(t)).orElse("");
                if (!line.equals(last.getAndSet(line))) {
                    out.println(time(Instant.now()) + "  " + line);
                }
            };
            try (Subscription status = client.onStatus(print);
                 Subscription data = client.onChange(change -> out.println(time(Instant.now()) + "  "
                         + change.origin().name().toLowerCase(java.util.Locale.ROOT) + " change in "
                         + change.collection() + (change.ids().isEmpty() ? "" : ": " + change.ids().size()
                         + " record(s)")))) {
                print.onStatus(client.status());
                client.syncAsync(); // the sync at start, now that the listeners are in place
                stop.await();
            }
            return OK;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return FAILED;
        } catch (WrongStoreKeyException | IllegalStateException | IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            return FAILED;
        } finally {
            closed.countDown();
        }
    }

    private int encryptStore(SyncClient client, String newPassword) {
        client.rekey(StoreKey.fromPassword(newPassword.toCharArray()));
        out.println("store " + client.storeFile() + " encrypted with a key derived from the new store password");
        out.println("give --store-password (or OUTPOST_STORE_PASSWORD) with every command from now on");
        return OK;
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static long opId(Args args) throws UsageException {
        String op = args.required("op");
        try {
            return Long.parseLong(op);
        } catch (NumberFormatException e) {
            throw new UsageException("--op must be an op number (see `failed`), was " + op);
        }
    }

    /** The interval to turn auto-sync on with, or null for {@code --off}. Range checks are the SDK's. */
    private static Integer autoSyncInterval(Args args) throws UsageException {
        boolean off = args.flag("off");
        Optional<String> interval = args.option("interval");
        if (off == interval.isPresent()) {
            throw new UsageException("auto-sync needs either --interval SECONDS or --off");
        }
        if (off) {
            return null;
        }
        try {
            return Integer.parseInt(interval.get());
        } catch (NumberFormatException e) {
            throw new UsageException("--interval must be a whole number of seconds, was " + interval.get());
        }
    }

    private static String text(Args args, String name, int max) throws UsageException {
        String value = args.required(name);
        if (value.length() > max) {
            throw new UsageException("--" + name + " must be at most " + max + " characters");
        }
        return value;
    }

    private static Optional<String> optionalText(Args args, String name, int max) throws UsageException {
        Optional<String> value = args.option(name);
        if (value.isPresent() && value.get().length() > max) {
            throw new UsageException("--" + name + " must be at most " + max + " characters");
        }
        return value;
    }

    private static String count(long n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    static String time(Instant t) {
        return t.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** The JDK's HTTP client and sqlite-jdbc log through java.util.logging; keep the console to the program's output. */
    private static void quietJdkLogging() {
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
    }

    /**
     * The last sync as this program saw it, kept next to the store: the SDK's {@link SyncStatus} has the last
     * attempt and success only for the life of one client, and each command here is a new process.
     */
    record LastSync(Optional<Instant> attempt, Optional<String> outcome, Optional<Instant> success) {
        static Path file(SyncClient client) {
            return client.storeFile().resolveSibling(client.storeFile().getFileName() + ".last-sync.properties");
        }

        static LastSync read(SyncClient client) {
            Properties p = new Properties();
            Path file = file(client);
            try {
                if (Files.exists(file)) {
                    try (InputStream in = Files.newInputStream(file)) {
                        p.load(in);
                    }
                }
                return new LastSync(Optional.ofNullable(p.getProperty("attempt")).map(Instant::parse),
                        Optional.ofNullable(p.getProperty("outcome")),
                        Optional.ofNullable(p.getProperty("success")).map(Instant::parse));
            } catch (IOException | RuntimeException e) {
                // a lost or damaged note about the last sync is not worth failing a command
                return new LastSync(Optional.empty(), Optional.empty(), Optional.empty());
            }
        }

        static void record(SyncClient client, SyncStatus status) {
            if (status.lastAttemptAt().isEmpty()) {
                return;
            }
            LastSync before = read(client);
            Properties p = new Properties();
            p.setProperty("attempt", status.lastAttemptAt().get().toString());
            p.setProperty("outcome", status.lastError().map(SyncError::toString).orElse("complete"));
            status.lastSuccessAt().or(() -> before.success)
                    .ifPresent(t -> p.setProperty("success", t.toString()));
            try (OutputStream o = Files.newOutputStream(file(client))) {
                p.store(o, "last sync of this store, written by pharmacy-device");
            } catch (IOException e) {
                // see read
            }
        }
    }
}
