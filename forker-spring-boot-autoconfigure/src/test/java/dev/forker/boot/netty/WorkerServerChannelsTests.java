package dev.forker.boot.netty;

import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link WorkerServerChannels} and {@link AlreadyBoundHandler}.
 */
class WorkerServerChannelsTests {

	@Test
	void enablesReusePortOnANioChannel() throws Exception {
		NioServerSocketChannel channel = new NioServerSocketChannel();
		try {
			WorkerServerChannels.enableReusePort(channel);
			assertThat(channel.config().getOption(NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT))).isTrue();
		}
		finally {
			channel.unsafe().closeForcibly();
		}
	}

	@Test
	void enablesReusePortOnAnEpollChannel() {
		Assumptions.assumeTrue(Epoll.isAvailable(), "epoll is available on Linux only");
		EpollServerSocketChannel channel = new EpollServerSocketChannel();
		try {
			WorkerServerChannels.enableReusePort(channel);
			assertThat(channel.config().getOption(EpollChannelOption.SO_REUSEPORT)).isTrue();
		}
		finally {
			channel.unsafe().closeForcibly();
		}
	}

	@Test
	void answersABindAsDoneWithoutBinding() {
		EmbeddedChannel channel = new EmbeddedChannel();
		channel.pipeline().addFirst(AlreadyBoundHandler.NAME, AlreadyBoundHandler.INSTANCE);
		assertThat(channel.bind(new InetSocketAddress(1)).isSuccess()).isTrue();
		assertThat(channel.localAddress()).isNotEqualTo(new InetSocketAddress(1));
		channel.finishAndReleaseAll();
	}

}
