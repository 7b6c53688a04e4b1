/**
 * The ports a master serves: planning them from the application's configuration, and
 * opening them before any worker starts (a shared listening socket per port, a
 * reservation in reuseport mode, or the sockets systemd passed).
 */
@NullMarked
package dev.forker.boot.ports;

import org.jspecify.annotations.NullMarked;
