/**
 * Versioned collection schemas: the versions a collection declares and the declarative steps (rename, split,
 * default) that upgrade an older app's data to the current shape and serve it back in the shape it understands.
 */
package io.outpost.command.api.schema;
