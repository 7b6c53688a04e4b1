/**
 * Local caches kept coherent across forker workers: an eviction, put or clear of a Spring
 * cache in one worker invalidates the same entry, or cache, in every other worker before
 * it returns.
 */
@NullMarked
package dev.forker.boot.cache;

import org.jspecify.annotations.NullMarked;
