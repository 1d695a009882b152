/** The Java client SDK: a durable local store and an operation queue that speak PROTOCOL.md (built out in the SDK issue). */
package io.outpost.sdk;
