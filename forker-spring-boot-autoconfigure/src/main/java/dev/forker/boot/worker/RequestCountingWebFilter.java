package dev.forker.boot.worker;

import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Counts the requests of a reactive application.
 *
 * @since 0.1.0
 */
public class RequestCountingWebFilter implements WebFilter, Ordered {

	private final WorkerRequestCounter counter;

	/**
	 * Create a new instance.
	 * @param counter the counter
	 */
	public RequestCountingWebFilter(WorkerRequestCounter counter) {
		this.counter = counter;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		this.counter.increment();
		return chain.filter(exchange);
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

}
