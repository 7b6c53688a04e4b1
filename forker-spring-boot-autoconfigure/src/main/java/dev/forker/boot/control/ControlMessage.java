package dev.forker.boot.control;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * A message on the control channel between a master and its workers.
 *
 * @since 0.1.0
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({ @JsonSubTypes.Type(value = ControlMessage.Hello.class, name = "hello"),
		@JsonSubTypes.Type(value = ControlMessage.Ready.class, name = "ready"),
		@JsonSubTypes.Type(value = ControlMessage.StartupFailed.class, name = "startup-failed") })
public sealed interface ControlMessage {

	/**
	 * First message of a worker: who it is, proven by the token its master gave it.
	 *
	 * @param workerId the worker id
	 * @param pid the worker's pid
	 * @param token the token from the worker's environment
	 */
	record Hello(int workerId, long pid, String token) implements ControlMessage {

		@Override
		public String toString() {
			return "Hello[workerId=" + this.workerId + ", pid=" + this.pid + "]";
		}

	}

	/**
	 * The worker's web server is serving and the application is ready.
	 */
	record Ready() implements ControlMessage {

	}

	/**
	 * The worker's application failed to start; the worker exits next.
	 *
	 * @param reason a one-line description of the failure
	 */
	record StartupFailed(String reason) implements ControlMessage {

	}

}
