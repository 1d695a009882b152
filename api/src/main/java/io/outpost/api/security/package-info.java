/** Bearer-token authentication (JWT via jjwt): tenant, user and roles come only from the token. */
package io.outpost.api.security;
