package dev.forker.benchmark;

import org.springframework.cache.annotation.CacheEvict;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * An entry of Spring's default cache (a concurrent map) read and evicted: the cost of an
 * eviction that, with forker, every other worker applies before it returns.
 */
@RestController
class CacheController {

	private final Greetings greetings;

	CacheController(Greetings greetings) {
		this.greetings = greetings;
	}

	/**
	 * Read the cached greeting.
	 * @return the greeting
	 */
	@GetMapping(path = "/cached", produces = "text/plain")
	String cached() {
		return this.greetings.greeting();
	}

	/**
	 * Evict the cached greeting.
	 * @return what was done
	 */
	@GetMapping(path = "/evict", produces = "text/plain")
	String evict() {
		this.greetings.evict();
		return "evicted";
	}

	@Configuration(proxyBeanMethods = false)
	@EnableCaching
	static class CachingConfiguration {

		@Bean
		Greetings greetings() {
			return new Greetings();
		}

	}

	static class Greetings {

		@Cacheable("greetings")
		public String greeting() {
			return "Hello, World!";
		}

		@CacheEvict("greetings")
		public void evict() {
		}

	}

}
