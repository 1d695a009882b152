package io.outpost.command.policy;

/** A collection's conflict rule. Implementations are pure and stateless. */
@FunctionalInterface
public interface ConflictPolicy {

    Decision decide(ConflictFacts facts);
}
