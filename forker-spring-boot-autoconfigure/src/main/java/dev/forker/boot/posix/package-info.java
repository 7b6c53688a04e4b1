/**
 * The POSIX calls the JDK lacks, for the master and its workers: spawning with exact file
 * descriptors, reaping with {@code waitid}, signals, and native socket functions.
 */
@NullMarked
package dev.forker.boot.posix;

import org.jspecify.annotations.NullMarked;
