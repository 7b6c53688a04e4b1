package dev.forker.sample.boot40;

import org.springframework.boot.CommandLineRunner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/**
 * An ordinary Spring Boot 4.0 application. Each forker worker runs all of it, its
 * embedded database included: in-memory state is per worker.
 */
@SpringBootApplication
public class Boot40Application {

	public static void main(String[] args) {
		SpringApplication.run(Boot40Application.class, args);
	}

	@Bean
	CommandLineRunner seedGreetings(GreetingRepository greetings) {
		return (args) -> {
			greetings.save(new Greeting("Hello"));
			greetings.save(new Greeting("Bonjour"));
			greetings.save(new Greeting("Hallo"));
		};
	}

}
