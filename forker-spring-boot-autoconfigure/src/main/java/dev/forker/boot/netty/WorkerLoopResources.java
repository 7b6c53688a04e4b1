package dev.forker.boot.netty;

import java.net.InetAddress;
import java.time.Duration;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.ServerSocketChannel;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.resources.LoopResources;

import dev.forker.boot.control.WorkerEnvironment;
import dev.forker.boot.control.WorkerSocketMode;

/**
 * The loop resources of one of a worker's Reactor Netty servers: Spring Boot's, except
 * that the TCP server channel is set up for forker, for the port that server binds.
 *
 * @since 0.1.0
 */
final class WorkerLoopResources implements LoopResources {

	private final LoopResources delegate;

	private final WorkerEnvironment worker;

	private final @Nullable InetAddress address;

	private final int port;

	WorkerLoopResources(LoopResources delegate, WorkerEnvironment worker, @Nullable InetAddress address, int port) {
		this.delegate = delegate;
		this.worker = worker;
		this.address = address;
		this.port = port;
	}

	@Override
	public <C extends Channel> C onChannel(Class<C> channelType, EventLoopGroup group) {
		if (!ServerSocketChannel.class.isAssignableFrom(channelType)) {
			return this.delegate.onChannel(channelType, group);
		}
		if (this.worker.socketMode() == WorkerSocketMode.INHERITED) {
			@SuppressWarnings("unchecked")
			Class<? extends ServerSocketChannel> channelClass = (Class<? extends ServerSocketChannel>) this.delegate
				.onChannelClass(channelType, group);
			return channelType.cast(WorkerServerChannels.inherited(channelClass, this.worker, this.address, this.port));
		}
		C channel = this.delegate.onChannel(channelType, group);
		WorkerServerChannels.enableReusePort((ServerSocketChannel) channel);
		WorkerServerChannels.gateAccepts((ServerSocketChannel) channel, this.port);
		return channel;
	}

	@Override
	public <C extends Channel> Class<? extends C> onChannelClass(Class<C> channelType, EventLoopGroup group) {
		return this.delegate.onChannelClass(channelType, group);
	}

	@Override
	public EventLoopGroup onServer(boolean useNative) {
		return this.delegate.onServer(useNative);
	}

	@Override
	public EventLoopGroup onServerSelect(boolean useNative) {
		return this.delegate.onServerSelect(useNative);
	}

	@Override
	public EventLoopGroup onClient(boolean useNative) {
		return this.delegate.onClient(useNative);
	}

	@Override
	public boolean daemon() {
		return this.delegate.daemon();
	}

	@Override
	public void dispose() {
		this.delegate.dispose();
	}

	@Override
	public boolean isDisposed() {
		return this.delegate.isDisposed();
	}

	@Override
	public Mono<Void> disposeLater() {
		return this.delegate.disposeLater();
	}

	@Override
	public Mono<Void> disposeLater(Duration quietPeriod, Duration timeout) {
		return this.delegate.disposeLater(quietPeriod, timeout);
	}

}
