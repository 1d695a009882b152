/** JSON shapes of the wire contract (PROTOCOL.md). No Axon types. */
package io.outpost.api.web.dto;
