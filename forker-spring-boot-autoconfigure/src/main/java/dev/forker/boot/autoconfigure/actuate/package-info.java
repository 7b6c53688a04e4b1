/**
 * Auto-configuration of forker's Actuator support in workers: endpoint, health and
 * metrics.
 */
@NullMarked
package dev.forker.boot.autoconfigure.actuate;

import org.jspecify.annotations.NullMarked;
