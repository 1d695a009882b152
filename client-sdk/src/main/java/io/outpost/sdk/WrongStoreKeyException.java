package io.outpost.sdk;

import java.nio.file.Path;

/**
 * The store file cannot be read with the key given (or without one): a wrong key or password, a key for a store that
 * is not encrypted, no key for one that is, or a file that is not an Outpost store. Thrown by
 * {@link SyncClient.Builder#build()} before anything was written: the file is left as it was.
 */
public final class WrongStoreKeyException extends RuntimeException {

    private final Path storeFile;

    public WrongStoreKeyException(Path storeFile, String message, Throwable cause) {
        super(message, cause);
        this.storeFile = storeFile;
    }

    /** The store file that could not be opened. */
    public Path storeFile() {
        return storeFile;
    }
}
