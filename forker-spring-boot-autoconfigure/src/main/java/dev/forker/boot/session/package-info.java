/**
 * HTTP sessions across forker workers: Spring Session repositories that keep every
 * session in the master, so that every worker sees it.
 */
@NullMarked
package dev.forker.boot.session;

import org.jspecify.annotations.NullMarked;
