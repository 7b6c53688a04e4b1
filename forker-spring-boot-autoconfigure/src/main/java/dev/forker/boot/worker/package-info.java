/**
 * The worker side of forker: how a worker learns who it is, opens its share of the server
 * port, and keeps its link to the master.
 */
@NullMarked
package dev.forker.boot.worker;

import org.jspecify.annotations.NullMarked;
