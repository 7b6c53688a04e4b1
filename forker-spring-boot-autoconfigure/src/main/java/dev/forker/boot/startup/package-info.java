/**
 * How a worker JVM is started: the Java command line a worker reuses, and the startup
 * cache (the extracted jar with an AOT cache or a class data sharing archive) that makes
 * it start faster.
 */
@NullMarked
package dev.forker.boot.startup;

import org.jspecify.annotations.NullMarked;
