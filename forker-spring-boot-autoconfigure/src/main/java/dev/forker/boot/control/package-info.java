/**
 * The private control channel between a forker master and its workers: newline-delimited
 * JSON messages over a Unix domain socket in a directory only the owner can enter.
 */
@NullMarked
package dev.forker.boot.control;

import org.jspecify.annotations.NullMarked;
