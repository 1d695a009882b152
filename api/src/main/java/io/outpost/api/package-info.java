/** The Spring Boot server: REST endpoints, security and the wiring of the command and query sides. */
package io.outpost.api;
