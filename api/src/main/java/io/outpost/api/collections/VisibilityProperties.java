package io.outpost.api.collections;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code outpost.visibility.apply-changes} ({@code OUTPOST_VISIBILITY_APPLY_CHANGES}): whether a node whose configured
 * {@code owner-field} or {@code visibility} differs from the one in effect applies the change at start (true) or
 * refuses to start (false, the default). docs/rebuild.md.
 */
@ConfigurationProperties("outpost.visibility")
public record VisibilityProperties(boolean applyChanges) {
}
