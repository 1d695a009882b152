package io.outpost.browser;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.opentest4j.TestAbortedException;

/**
 * A test class that drives Chromium. Without Chromium or chromedriver, or when they cannot start a session
 * ({@link Chromium#problem()}), its tests are skipped with the reason ({@code browser tests skipped: no Chromium at
 * /usr/bin/chromium (install …)}), unless {@code OUTPOST_BROWSER_TESTS=required}: then the class fails with that
 * message. A {@link BrowserUnavailableException} thrown later by a test or a lifecycle method is a skip too, or a
 * failure when required.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@ExtendWith(RequiresChromium.Extension.class)
public @interface RequiresChromium {

    /** The JUnit 5 side of {@link RequiresChromium}. */
    final class Extension implements ExecutionCondition, BeforeAllCallback, TestExecutionExceptionHandler,
            LifecycleMethodExecutionExceptionHandler {

        private static final AtomicBoolean TOLD = new AtomicBoolean();

        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            Optional<String> problem = Chromium.problem();
            if (problem.isEmpty()) return ConditionEvaluationResult.enabled("Chromium at " + Chromium.browser());
            // required: enabled, so that beforeAll fails the class with the message
            if (Chromium.required()) return ConditionEvaluationResult.enabled("Chromium required");
            String message = Chromium.unavailableMessage(problem.get());
            // once on the console as well: Maven prints a count of skipped tests, not their reasons
            if (TOLD.compareAndSet(false, true)) System.out.println("[outpost] " + message);
            return ConditionEvaluationResult.disabled(message);
        }

        @Override
        public void beforeAll(ExtensionContext context) {
            Chromium.problem().ifPresent(problem -> {
                throw new AssertionError(Chromium.unavailableMessage(problem));
            });
        }

        @Override
        public void handleTestExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
            throw translate(throwable);
        }

        @Override
        public void handleBeforeAllMethodExecutionException(ExtensionContext context, Throwable throwable)
                throws Throwable {
            throw translate(throwable);
        }

        @Override
        public void handleBeforeEachMethodExecutionException(ExtensionContext context, Throwable throwable)
                throws Throwable {
            throw translate(throwable);
        }

        /** A browser that could not start: skipped, or failed when required; anything else unchanged. */
        private static Throwable translate(Throwable throwable) {
            if (!(throwable instanceof BrowserUnavailableException unavailable)) return throwable;
            if (Chromium.required()) return new AssertionError(unavailable.getMessage(), unavailable);
            if (TOLD.compareAndSet(false, true)) System.out.println("[outpost] " + unavailable.getMessage());
            return new TestAbortedException(unavailable.getMessage(), unavailable);
        }
    }
}
