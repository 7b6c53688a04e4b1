package dev.forker.boot.logging;

import java.nio.ByteBuffer;
import java.util.List;

import tools.jackson.databind.json.JsonMapper;

/**
 * How a worker forwards its log files' lines to the master over a Unix domain socket. The
 * worker introduces itself with one JSON line naming its file appenders; the master
 * answers with one JSON line naming those it writes; then each encoded event follows as a
 * frame: the appender's index in the introduction (2 bytes), the length (4 bytes), the
 * bytes.
 *
 * @since 0.1.0
 */
final class LogProtocol {

	static final int HEADER_BYTES = 6;

	static final int MAX_LINE_BYTES = 64 * 1024;

	static final int MAX_FRAME_BYTES = 16 * 1024 * 1024;

	static final JsonMapper mapper = JsonMapper.builder().build();

	private LogProtocol() {
	}

	static ByteBuffer header(int index, int length) {
		return ByteBuffer.allocate(HEADER_BYTES).putShort((short) index).putInt(length).flip();
	}

	/**
	 * A worker's introduction.
	 *
	 * @param workerId the worker id
	 * @param pid the worker's pid
	 * @param token the worker's control channel token
	 * @param appenders the file appenders it would forward, in index order
	 */
	record Hello(int workerId, long pid, String token, List<AppenderFile> appenders) {

	}

	/**
	 * A file appender of a worker.
	 *
	 * @param name the appender's name
	 * @param file the absolute path of its file
	 */
	record AppenderFile(String name, String file) {

	}

	/**
	 * The master's answer.
	 *
	 * @param accepted the names of the appenders the master writes for the worker
	 */
	record Welcome(List<String> accepted) {

	}

}
