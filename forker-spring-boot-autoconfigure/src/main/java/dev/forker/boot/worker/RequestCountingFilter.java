package dev.forker.boot.worker;

import java.io.IOException;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;

import org.springframework.core.Ordered;

/**
 * Counts the requests of a servlet application.
 *
 * @since 0.1.0
 */
public class RequestCountingFilter implements Filter, Ordered {

	private final WorkerRequestCounter counter;

	/**
	 * Create a new instance.
	 * @param counter the counter
	 */
	public RequestCountingFilter(WorkerRequestCounter counter) {
		this.counter = counter;
	}

	@Override
	public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
			throws IOException, ServletException {
		this.counter.increment();
		chain.doFilter(request, response);
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

}
