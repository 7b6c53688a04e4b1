/**
 * Scheduled jobs across forker workers: once per application, in the worker that holds
 * the scheduler role, or in every worker.
 */
@NullMarked
package dev.forker.boot.scheduling;

import org.jspecify.annotations.NullMarked;
