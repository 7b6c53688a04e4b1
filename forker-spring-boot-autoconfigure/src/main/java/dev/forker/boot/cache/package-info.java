/**
 * Local caches kept coherent across forker workers: an eviction, put or clear of a Spring
 * cache in one worker is written to a log of invalidations in memory that every worker
 * shares, and every worker applies the log before it reads its caches, so that once the
 * call returns no worker serves the old value.
 */
@NullMarked
package dev.forker.boot.cache;

import org.jspecify.annotations.NullMarked;
