package dev.forker.boot.grpc;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.grpc.server.lifecycle.GrpcServerLifecycle;

import dev.forker.boot.control.ServedPort;
import dev.forker.boot.control.WorkerEnvironment;
import dev.forker.boot.control.WorkerSocketMode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;

/**
 * Tests for the gRPC server customizers: in reuseport mode, gRPC servers built as Spring
 * Boot builds them (grpc-java's Netty server, shaded or not) share one port.
 */
@ExtendWith(OutputCaptureExtension.class)
class GrpcWorkerServerTests {

	@Test
	void nettyServersShareAPortInReuseportMode() throws Exception {
		int port = freePort();
		List<ForkerNettyGrpcServerBuilderCustomizer> customizers = new ArrayList<>();
		List<Server> servers = new ArrayList<>();
		try {
			for (int i = 0; i < 2; i++) {
				ForkerNettyGrpcServerBuilderCustomizer customizer = new ForkerNettyGrpcServerBuilderCustomizer(
						worker(port), new GrpcServerAddress(InetAddress.getLoopbackAddress(), port));
				customizers.add(customizer);
				HealthStatusManager health = new HealthStatusManager();
				NettyServerBuilder builder = NettyServerBuilder
					.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))
					.addService(health.getHealthService());
				customizer.customize(builder);
				servers.add(builder.build().start());
			}
			assertThat(servers).extracting(Server::getPort).containsOnly(port);
			assertServing(port);
		}
		finally {
			servers.forEach(GrpcWorkerServerTests::stop);
			customizers.forEach(ForkerNettyGrpcServerBuilderCustomizer::destroy);
		}
	}

	@Test
	void shadedNettyServersShareAPortInReuseportMode() throws Exception {
		int port = freePort();
		List<ShadedNettyGrpcServerBuilderCustomizer> customizers = new ArrayList<>();
		List<Server> servers = new ArrayList<>();
		try {
			for (int i = 0; i < 2; i++) {
				ShadedNettyGrpcServerBuilderCustomizer customizer = new ShadedNettyGrpcServerBuilderCustomizer(
						worker(port), new GrpcServerAddress(InetAddress.getLoopbackAddress(), port));
				customizers.add(customizer);
				HealthStatusManager health = new HealthStatusManager();
				io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder builder = io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder
					.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))
					.addService(health.getHealthService());
				customizer.customize(builder);
				servers.add(builder.build().start());
			}
			assertThat(servers).extracting(Server::getPort).containsOnly(port);
			assertServing(port);
		}
		finally {
			servers.forEach(GrpcWorkerServerTests::stop);
			customizers.forEach(ShadedNettyGrpcServerBuilderCustomizer::destroy);
		}
	}

	@Test
	void warnsWhenNoGrpcServerServesTheGrpcPort(CapturedOutput output) {
		@SuppressWarnings("unchecked")
		ObjectProvider<GrpcServerLifecycle> none = mock(ObjectProvider.class);
		given(none.stream()).willAnswer((invocation) -> Stream.empty());
		GenericApplicationContext context = new GenericApplicationContext();
		new GrpcPortCheck(worker(9191), none).onApplicationEvent(
				new ApplicationReadyEvent(new SpringApplication(), new String[0], context, Duration.ZERO));
		assertThat(output).contains("forker opened spring.grpc.server.port=9191 for the workers",
				"spring.grpc.server.enabled=false");
	}

	private static void assertServing(int port) throws InterruptedException {
		ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
		try {
			assertThat(HealthGrpc.newBlockingStub(channel)
				.withDeadlineAfter(10, TimeUnit.SECONDS)
				.check(HealthCheckRequest.getDefaultInstance())
				.getStatus()).isEqualTo(ServingStatus.SERVING);
		}
		finally {
			channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
		}
	}

	private static WorkerEnvironment worker(int port) {
		return new WorkerEnvironment(1, 10, Path.of("/tmp/forker-test.sock"), "token", WorkerSocketMode.REUSEPORT,
				List.of(new ServedPort("spring.grpc.server.port", port, null)), Duration.ofSeconds(2), null);
	}

	private static int freePort() throws Exception {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

	private static void stop(Server server) {
		server.shutdownNow();
		try {
			server.awaitTermination(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
