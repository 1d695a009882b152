/**
 * The public face of the command side: commands, events, the outcome of an operation and the
 * collection rules the record aggregate is configured with. Everything else in this module is internal.
 */
package io.outpost.command.api;
