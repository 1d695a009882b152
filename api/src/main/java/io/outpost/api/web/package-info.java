/** HTTP plumbing shared by every endpoint: RFC 9457 problems with stable codes, body limits and gzip. */
package io.outpost.api.web;
