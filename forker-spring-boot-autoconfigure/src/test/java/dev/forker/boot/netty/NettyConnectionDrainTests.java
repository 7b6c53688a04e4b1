package dev.forker.boot.netty;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link NettyConnectionDrain} on a Reactor Netty server.
 */
class NettyConnectionDrainTests {

	private DisposableServer server;

	@AfterEach
	void stop() {
		if (this.server != null) {
			this.server.disposeNow();
		}
	}

	@Test
	void connectionAcceptedBeforeTheDrainIsAwaitedAndItsNextResponseClosesIt() throws Exception {
		NettyConnectionDrain drain = new NettyConnectionDrain(Duration.ofSeconds(10));
		this.server = drain
			.apply(HttpServer.create()
				.host("127.0.0.1")
				.port(0)
				.handle((request, response) -> response.sendString(Mono.just("ok"))))
			.bindNow();
		drain.start();
		try (Socket connection = connect(this.server.port())) {
			await().atMost(Duration.ofSeconds(5))
				.pollInterval(Duration.ofMillis(5))
				.until(() -> drain.openConnections() == 1);
			CompletableFuture<Void> drained = CompletableFuture.runAsync(drain::stop);
			await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5)).until(drain::isDraining);
			assertThat(drained).as("waits for the connection that has not sent its request yet").isNotDone();
			connection.getOutputStream()
				.write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
			String response = new String(connection.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
			assertThat(response).startsWith("HTTP/1.1 200").containsIgnoringCase("connection: close").endsWith("ok");
			drained.get(5, TimeUnit.SECONDS);
			assertThat(drain.openConnections()).isZero();
			assertThat(drain.isRunning()).isFalse();
		}
	}

	@Test
	void doesNotDrainWhenDisabled() throws Exception {
		NettyConnectionDrain drain = new NettyConnectionDrain(Duration.ofSeconds(10));
		this.server = drain
			.apply(HttpServer.create().host("127.0.0.1").port(0).handle((request, response) -> response.send()))
			.bindNow();
		drain.setEnabled(false);
		drain.start();
		try (Socket connection = connect(this.server.port())) {
			await().atMost(Duration.ofSeconds(5))
				.pollInterval(Duration.ofMillis(5))
				.until(() -> drain.openConnections() == 1);
			CompletableFuture<Void> stopped = new CompletableFuture<>();
			drain.stop(() -> stopped.complete(null));
			stopped.get(1, TimeUnit.SECONDS);
			assertThat(drain.isDraining()).isFalse();
		}
	}

	private static Socket connect(int port) throws IOException {
		Socket socket = new Socket();
		socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
		socket.setSoTimeout(5000);
		return socket;
	}

}
