package dev.forker.it.apps.reactive;

import reactor.core.publisher.Mono;

import dev.forker.boot.Forker;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A Spring WebFlux application on whichever server the class path offers: Reactor Netty,
 * Tomcat or Jetty.
 */
@SpringBootApplication
@RestController
public class ReactiveApplication {

	private static final long PID = ProcessHandle.current().pid();

	@GetMapping("/worker")
	Mono<WorkerInfo> worker() {
		return Mono.fromSupplier(() -> new WorkerInfo(Forker.workerId().orElse(0), PID));
	}

	record WorkerInfo(int worker, long pid) {
	}

	public static void main(String[] args) {
		SpringApplication application = new SpringApplication(ReactiveApplication.class);
		application.setWebApplicationType(WebApplicationType.REACTIVE);
		application.run(args);
	}

}
