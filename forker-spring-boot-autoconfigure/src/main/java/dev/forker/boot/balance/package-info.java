/**
 * Balancing the connections of workers that share a listening socket: every worker counts
 * its open connections on a board that all of them share, and takes the next connection
 * only while it holds no more than its least busy sibling.
 */
@NullMarked
package dev.forker.boot.balance;

import org.jspecify.annotations.NullMarked;
