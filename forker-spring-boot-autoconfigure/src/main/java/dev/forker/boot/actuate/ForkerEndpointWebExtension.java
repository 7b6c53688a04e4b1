package dev.forker.boot.actuate;

import java.util.List;

import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.annotation.EndpointWebExtension;

import dev.forker.boot.control.ForkerStatus;
import dev.forker.boot.worker.MasterUnavailableException;

/**
 * {@link EndpointWebExtension @EndpointWebExtension} of the {@link ForkerEndpoint}: while
 * the master replaces itself in place, and so cannot be asked, {@code GET
 * /actuator/forker} and {@code GET /actuator/forker/{id}} answer {@code 503 Service
 * Unavailable} at once, with a message, as the health endpoint answers {@code 503} when
 * it cannot vouch for the application.
 *
 * @since 0.1.0
 */
@EndpointWebExtension(endpoint = ForkerEndpoint.class)
public class ForkerEndpointWebExtension {

	private final ForkerEndpoint delegate;

	/**
	 * Create a new instance.
	 * @param delegate the endpoint
	 */
	public ForkerEndpointWebExtension(ForkerEndpoint delegate) {
		this.delegate = delegate;
	}

	/**
	 * Return the master and all workers, or 503 while the master replaces itself.
	 * @return the status, or why there is none now
	 */
	@ReadOperation
	public WebEndpointResponse<Object> status() {
		try {
			return new WebEndpointResponse<>(this.delegate.status());
		}
		catch (MasterUnavailableException ex) {
			return unavailable(ex);
		}
	}

	/**
	 * Return the processes of one worker id, 404 for an unknown id, or 503 while the
	 * master replaces itself.
	 * @param id the worker id
	 * @return the worker's processes, or why there are none
	 */
	@ReadOperation
	public WebEndpointResponse<Object> worker(@Selector int id) {
		try {
			List<ForkerStatus.Worker> processes = this.delegate.worker(id);
			return (processes != null) ? new WebEndpointResponse<>(processes)
					: new WebEndpointResponse<>(WebEndpointResponse.STATUS_NOT_FOUND);
		}
		catch (MasterUnavailableException ex) {
			return unavailable(ex);
		}
	}

	private static WebEndpointResponse<Object> unavailable(MasterUnavailableException ex) {
		return new WebEndpointResponse<>(new MasterUnavailable("master-replacing", ex.getMasterPid(), ex.getMessage()),
				WebEndpointResponse.STATUS_SERVICE_UNAVAILABLE);
	}

	/**
	 * The body of a {@code 503}: the master cannot be asked now.
	 *
	 * @param state what the master does: {@code master-replacing} (an in-place upgrade)
	 * @param masterPid the pid of the master, which the new master keeps
	 * @param message what happens and what to do
	 */
	public record MasterUnavailable(String state, long masterPid, String message) {

	}

}
