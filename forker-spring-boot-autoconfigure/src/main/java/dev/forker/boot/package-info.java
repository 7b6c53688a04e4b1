/**
 * Prefork mode for Spring Boot web applications: the public API
 * ({@link dev.forker.boot.Forker}) and the {@code forker.*} configuration properties.
 */
@NullMarked
package dev.forker.boot;

import org.jspecify.annotations.NullMarked;
