package dev.forker.boot.grpc;

import java.net.InetAddress;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * The address and port Spring Boot's gRPC server binds, read from the same properties as
 * Spring Boot reads them ({@code spring.grpc.server.address} and
 * {@code spring.grpc.server.port}, 9090 by default). In a worker, the port is the one the
 * master resolved.
 *
 * @param address the address, or {@code null} for all addresses
 * @param port the port
 * @since 0.1.0
 */
public record GrpcServerAddress(@Nullable InetAddress address, int port) {

	private static final int DEFAULT_PORT = 9090;

	/**
	 * Return the address the gRPC server of an application binds.
	 * @param environment the application's environment
	 * @return the address
	 */
	public static GrpcServerAddress of(Environment environment) {
		Binder binder = Binder.get(environment);
		return new GrpcServerAddress(binder.bind("spring.grpc.server.address", InetAddress.class).orElse(null),
				binder.bind("spring.grpc.server.port", Integer.class).orElse(DEFAULT_PORT));
	}

}
