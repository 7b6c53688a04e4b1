package dev.forker.boot.control;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link ControlServer}, with real Unix domain sockets.
 */
class ControlServerTests {

	private final ControlCodec codec = new ControlCodec();

	private final List<SocketChannel> clients = new ArrayList<>();

	private ControlServer server;

	@BeforeEach
	void open() throws IOException {
		this.server = ControlServer.open();
	}

	@AfterEach
	void close() throws IOException {
		for (SocketChannel client : this.clients) {
			client.close();
		}
		this.server.close();
		this.server.deleteDirectory();
	}

	@Test
	void deletingTheDirectoryDeletesTheSocketsAndConnectionBoardsLeftInIt() throws IOException {
		Path directory = this.server.directory();
		Files.createFile(directory.resolve("metrics-4242.sock"));
		Files.createFile(directory.resolve("connections-8080.board"));
		this.server.close();
		this.server.deleteDirectory();
		assertThat(directory).doesNotExist();
	}

	@Test
	void connectionClosedByTheHandlerInTheRoundOfItsEndOfFileDoesNotEndThePoll() throws IOException {
		for (int round = 0; round < 5; round++) {
			List<ControlLink> links = new ArrayList<>();
			List<ControlLink> closed = new ArrayList<>();
			this.server.handler(new ControlServer.Handler() {

				@Override
				public void onMessage(ControlLink link, ControlMessage message) {
					if (message instanceof ControlMessage.Hello) {
						link.introduced("worker");
						links.add(link);
					}
					else {
						// A message whose handling closes every other link
						for (ControlLink other : List.copyOf(links)) {
							if (other != link) {
								other.close();
							}
						}
					}
				}

				@Override
				public void onClosed(ControlLink link) {
					closed.add(link);
				}

			});
			SocketChannel speaker = connect();
			List<SocketChannel> leaving = new ArrayList<>();
			for (int i = 0; i < 10; i++) {
				leaving.add(connect());
			}
			send(speaker, new ControlMessage.Hello(1, 1, "t"));
			for (SocketChannel client : leaving) {
				send(client, new ControlMessage.Hello(1, 1, "t"));
			}
			await().atMost(Duration.ofSeconds(5)).until(() -> {
				this.server.poll(10);
				return links.size() == 11;
			});
			// A message on one connection and end-of-file on ten others, all in one round
			// of the selector: the message's handler closes the ten before their turn
			send(speaker, new ControlMessage.Ready());
			for (SocketChannel client : leaving) {
				client.close();
			}
			await().atMost(Duration.ofSeconds(5)).until(() -> {
				this.server.poll(10);
				return closed.size() == 10;
			});
			speaker.close();
			await().atMost(Duration.ofSeconds(5)).until(() -> {
				this.server.poll(10);
				return this.server.connectionCount() == 0;
			});
		}
	}

	@Test
	void connectionsThatDoNotIntroduceThemselvesAreBounded() throws IOException {
		this.server.handler(new ControlServer.Handler() {

			@Override
			public void onMessage(ControlLink link, ControlMessage message) {
				link.introduced("worker");
			}

			@Override
			public void onClosed(ControlLink link) {
			}

		});
		for (int i = 0; i < PeerLimits.MAX_ANONYMOUS + 40; i++) {
			connect();
			// Accepting as they come: a full backlog would block the next connect
			this.server.poll(0);
		}
		await().atMost(Duration.ofSeconds(5)).until(() -> {
			this.server.poll(10);
			return this.server.connectionCount() == PeerLimits.MAX_ANONYMOUS;
		});
		for (int i = 0; i < 20; i++) {
			this.server.poll(1);
		}
		assertThat(this.server.connectionCount()).isEqualTo(PeerLimits.MAX_ANONYMOUS);
		// A worker still gets in once an anonymous connection made room for it
		send(this.clients.get(0), new ControlMessage.Hello(1, 1, "t"));
		SocketChannel worker = connect();
		send(worker, new ControlMessage.Hello(2, 2, "t"));
		await().atMost(Duration.ofSeconds(5)).until(() -> {
			this.server.poll(10);
			return this.server.connectionCount() == PeerLimits.MAX_ANONYMOUS + 1;
		});
	}

	private SocketChannel connect() throws IOException {
		SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX);
		client.connect(UnixDomainSocketAddress.of(this.server.socketPath()));
		this.clients.add(client);
		return client;
	}

	private void send(SocketChannel client, ControlMessage message) throws IOException {
		ByteBuffer bytes = ByteBuffer.wrap(this.codec.encode(message));
		while (bytes.hasRemaining()) {
			client.write(bytes);
		}
	}

}
