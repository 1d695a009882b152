package io.outpost.browser;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The browser SDK's encrypted store in Chromium (issue 19.3): {@code encryption.test.js}
 * ({@code /sdk/tests/index.html?suite=encryption}), and the store and client JS tests again with every store they
 * open encrypted ({@code ?encryption=<scheme>} makes {@code LocalStore.open} encrypt each store: an app key, a device
 * key), so the encrypted store must behave exactly as the plain one. The password scheme is covered by
 * {@code encryption.test.js} and {@code EncryptedStoreBrowserTest} (each open derives a key with 600,000 PBKDF2
 * iterations, seconds on a busy machine). Here rather than in {@link SdkUnitTest}, whose run has 60 s in all.
 */
@RequiresChromium
class EncryptedStoreSuiteTest {

    private static final Duration DEADLINE = Duration.ofSeconds(120);

    private static OutpostServer server;
    private static Browser browser;

    @BeforeAll
    static void start() {
        server = OutpostServer.shared();
        browser = Browser.start();
    }

    @AfterAll
    static void stop() {
        if (browser != null) browser.close();
    }

    /** encryption.test.js: no plaintext in the raw IndexedDB contents, wrong keys, the device key, damage. */
    @TestFactory
    List<DynamicTest> encryptionTests() throws Exception {
        return suite("suite=encryption", "encryption", 8);
    }

    @TestFactory
    List<DynamicTest> withAnAppKey() throws Exception {
        return suite("encryption=key", "key", 50);
    }

    @TestFactory
    List<DynamicTest> withADeviceKey() throws Exception {
        return suite("encryption=device-key", "device-key", 50);
    }

    private static List<DynamicTest> suite(String query, String scheme, int atLeast) throws Exception {
        return JsTestPage.run(browser, server, query, scheme, DEADLINE, atLeast);
    }
}
