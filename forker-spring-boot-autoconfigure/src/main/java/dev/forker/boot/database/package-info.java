/**
 * Database initialization across forker workers: one worker runs the
 * {@code spring.sql.init} scripts, Flyway and Liquibase before the others go on, and
 * in-memory databases, which every worker has a copy of, are pointed out.
 */
@NullMarked
package dev.forker.boot.database;

import org.jspecify.annotations.NullMarked;
