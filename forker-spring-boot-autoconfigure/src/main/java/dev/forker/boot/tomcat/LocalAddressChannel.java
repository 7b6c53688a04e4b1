package dev.forker.boot.tomcat;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.channels.NetworkChannel;
import java.util.Set;

/**
 * A view of a listening channel that reports a given local address and delegates
 * everything else.
 *
 * @since 0.1.0
 */
final class LocalAddressChannel implements NetworkChannel {

	private final NetworkChannel delegate;

	private final SocketAddress localAddress;

	LocalAddressChannel(NetworkChannel delegate, SocketAddress localAddress) {
		this.delegate = delegate;
		this.localAddress = localAddress;
	}

	@Override
	public NetworkChannel bind(SocketAddress local) throws IOException {
		return this.delegate.bind(local);
	}

	@Override
	public SocketAddress getLocalAddress() {
		return this.localAddress;
	}

	@Override
	public <T> NetworkChannel setOption(SocketOption<T> name, T value) throws IOException {
		return this.delegate.setOption(name, value);
	}

	@Override
	public <T> T getOption(SocketOption<T> name) throws IOException {
		return this.delegate.getOption(name);
	}

	@Override
	public Set<SocketOption<?>> supportedOptions() {
		return this.delegate.supportedOptions();
	}

	@Override
	public boolean isOpen() {
		return this.delegate.isOpen();
	}

	@Override
	public void close() throws IOException {
		this.delegate.close();
	}

}
