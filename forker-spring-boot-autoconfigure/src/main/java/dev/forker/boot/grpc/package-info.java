/**
 * gRPC support: grpc-java's Netty server (shaded or not), as Spring Boot runs it, serves
 * the port the master shares, and a stopping worker says it no longer serves before its
 * server sends {@code GOAWAY}.
 */
@NullMarked
package dev.forker.boot.grpc;

import org.jspecify.annotations.NullMarked;
