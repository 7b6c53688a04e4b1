/**
 * HTTP sessions across forker workers: Spring Session repositories whose sessions every
 * worker reads and writes directly, in files on memory the workers share.
 */
@NullMarked
package dev.forker.boot.session;

import org.jspecify.annotations.NullMarked;
