/** Configuration and wiring: properties as PROTOCOL.md names them, the embedded PostgreSQL default, Axon and JPA set-up. */
package io.outpost.api.config;
