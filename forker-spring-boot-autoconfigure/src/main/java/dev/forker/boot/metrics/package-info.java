/**
 * One Prometheus scrape of every worker: each worker serves its own metric snapshots to
 * its siblings over a Unix domain socket in the master's private directory, and the
 * worker that receives a scrape gathers them, labels each series with its worker id and
 * merges the metric families before Spring Boot's Prometheus endpoint writes them.
 */
@NullMarked
package dev.forker.boot.metrics;

import org.jspecify.annotations.NullMarked;
