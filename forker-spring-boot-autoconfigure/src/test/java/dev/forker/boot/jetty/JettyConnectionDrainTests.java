package dev.forker.boot.jetty;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.web.server.context.WebServerApplicationContext;

import dev.forker.boot.control.ServedPort;
import dev.forker.boot.control.WorkerEnvironment;
import dev.forker.boot.control.WorkerSocketMode;
import dev.forker.boot.posix.NativeSockets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link JettyConnectionDrain}, on a worker's connector that accepts from a
 * socket shared by a "master" (this test).
 */
class JettyConnectionDrainTests {

	private ServerSocketChannel master;

	private int port;

	private Server server;

	private ForkerServerConnector connector;

	private final CountDownLatch responding = new CountDownLatch(1);

	private final CountDownLatch finishResponse = new CountDownLatch(1);

	@BeforeEach
	void startWorkerServer() throws Exception {
		this.master = ServerSocketChannel.open();
		this.master.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
		this.port = ((InetSocketAddress) this.master.getLocalAddress()).getPort();
		WorkerEnvironment worker = TestServers.worker(WorkerSocketMode.INHERITED,
				new ServedPort("server.port", this.port, NativeSockets.get().findListening(this.port)));
		this.server = TestServers.server(this::okOrSlowOk);
		this.connector = new ForkerServerConnector(worker, this.server, null, null, null, 1, 1,
				new HttpConnectionFactory());
		this.connector.setHost("127.0.0.1");
		this.connector.setPort(this.port);
		this.server.addConnector(this.connector);
		this.server.start();
	}

	@AfterEach
	void stop() throws Exception {
		this.server.stop();
		this.master.close();
	}

	@Test
	void nextResponseOnAKeptAliveConnectionClosesItAndNewConnectionsStayQueued() throws Exception {
		JettyConnectionDrain drain = new JettyConnectionDrain(Duration.ofSeconds(10));
		drain.customize(this.server);
		drain.start();
		CompletableFuture<Void> drained;
		long started;
		try (Socket kept = TestServers.connect(this.port)) {
			assertThat(TestServers.exchange(kept)).startsWith("HTTP/1.1 200").doesNotContainIgnoringCase("close");
			started = System.nanoTime();
			drained = CompletableFuture.runAsync(drain::stop);
			await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5)).until(this.connector::isDraining);
			assertThat(TestServers.exchange(kept)).startsWith("HTTP/1.1 200")
				.containsIgnoringCase("Connection: close")
				.endsWith("ok");
			assertThat(kept.getInputStream().read()).as("end of stream").isEqualTo(-1);
		}
		try (Socket queued = TestServers.connect(this.port)) {
			drained.get(5, TimeUnit.SECONDS);
			assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
			assertThat(drain.isRunning()).isFalse();
			assertThat(((ServerSocketChannel) this.connector.getTransport()).isOpen())
				.as("the worker's own channel, closed to end its blocked accept")
				.isFalse();
			this.master.configureBlocking(false);
			try (SocketChannel accepted = this.master.accept()) {
				assertThat(accepted).as("the connection made during the drain waits for another worker").isNotNull();
			}
		}
	}

	@Test
	void idleConnectionIsClosedAfterTheDrainTimeout() throws Exception {
		JettyConnectionDrain drain = new JettyConnectionDrain(Duration.ofMillis(300));
		drain.customize(this.server);
		drain.start();
		try (Socket idle = TestServers.connect(this.port)) {
			assertThat(TestServers.exchange(idle)).startsWith("HTTP/1.1 200");
			long started = System.nanoTime();
			drain.stop();
			assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
			assertThat(readOrClosed(idle)).isEqualTo(-1);
		}
	}

	@Test
	void doesNotDrainWhenDisabled() throws Exception {
		JettyConnectionDrain drain = new JettyConnectionDrain(Duration.ofSeconds(10));
		drain.customize(this.server);
		drain.setEnabled(false);
		drain.start();
		CompletableFuture<Void> stopped = new CompletableFuture<>();
		drain.stop(() -> stopped.complete(null));
		assertThat(stopped).isCompleted();
		assertThat(this.connector.isDraining()).isFalse();
		try (Socket socket = TestServers.connect(this.port)) {
			assertThat(TestServers.exchange(socket)).startsWith("HTTP/1.1 200");
		}
	}

	@Test
	void responseBegunBeforeTheDrainKeepsItsConnectionForTheNextRequest() throws Exception {
		JettyConnectionDrain drain = new JettyConnectionDrain(Duration.ofSeconds(10));
		drain.customize(this.server);
		drain.start();
		CompletableFuture<Void> drained;
		try (Socket kept = TestServers.connect(this.port)) {
			TestServers.send(kept, "/slow");
			assertThat(this.responding.await(5, TimeUnit.SECONDS)).isTrue();
			drained = CompletableFuture.runAsync(drain::stop);
			await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5)).until(this.connector::isDraining);
			this.finishResponse.countDown();
			assertThat(TestServers.read(kept)).as("sent as persistent before the drain")
				.startsWith("HTTP/1.1 200")
				.doesNotContainIgnoringCase("close")
				.endsWith("ok");
			assertThat(TestServers.exchange(kept)).as("the next request is answered, then the connection closed")
				.startsWith("HTTP/1.1 200")
				.containsIgnoringCase("Connection: close")
				.endsWith("ok");
			assertThat(kept.getInputStream().read()).as("end of stream").isEqualTo(-1);
		}
		drained.get(5, TimeUnit.SECONDS);
	}

	@Test
	void drainsJustBeforeTheGracefulShutdown() {
		assertThat(new JettyConnectionDrain(Duration.ofSeconds(1)).getPhase())
			.isEqualTo(WebServerApplicationContext.GRACEFUL_SHUTDOWN_PHASE + 1);
	}

	/**
	 * Answer {@code ok}; on {@code /slow}, send the headers and the first byte, then wait
	 * for the test before the last one.
	 */
	private boolean okOrSlowOk(Request request, Response response, Callback callback) throws Exception {
		if (!Request.getPathInContext(request).equals("/slow")) {
			Content.Sink.write(response, true, "ok", callback);
			return true;
		}
		response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 2);
		try (Blocker.Callback written = Blocker.callback()) {
			Content.Sink.write(response, false, "o", written);
			written.block();
		}
		this.responding.countDown();
		if (!this.finishResponse.await(5, TimeUnit.SECONDS)) {
			throw new IllegalStateException("The test did not let the response finish");
		}
		Content.Sink.write(response, true, "k", callback);
		return true;
	}

	private static int readOrClosed(Socket socket) throws IOException {
		try {
			return socket.getInputStream().read();
		}
		catch (java.net.SocketException ex) {
			return -1;
		}
	}

}
