/**
 * The Actuator view of a forker deployment, answered by any worker from its master: the
 * {@code forker} endpoint, the {@code forker} health component and Micrometer meters.
 */
@NullMarked
package dev.forker.boot.actuate;

import org.jspecify.annotations.NullMarked;
