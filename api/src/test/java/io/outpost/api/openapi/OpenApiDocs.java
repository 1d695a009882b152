package io.outpost.api.openapi;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the checked-in documents are: the repository root holds {@code docs/errors.md}. */
final class OpenApiDocs {

    private OpenApiDocs() {
    }

    static Path repositoryFile(String relative) {
        for (Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve("docs/errors.md"))) return dir.resolve(relative);
        }
        throw new IllegalStateException("no docs/errors.md above " + System.getProperty("user.dir"));
    }
}
