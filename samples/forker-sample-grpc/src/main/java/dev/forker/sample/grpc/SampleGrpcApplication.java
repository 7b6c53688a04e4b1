package dev.forker.sample.grpc;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A Spring Boot application that serves gRPC on {@code spring.grpc.server.port} and HTTP
 * on {@code server.port}; forker runs it in prefork mode ({@code forker.enabled} is set
 * in {@code application.yml}, nothing else is forker-specific), and every worker serves
 * both ports.
 */
@SpringBootApplication
public class SampleGrpcApplication {

	public static void main(String[] args) {
		SpringApplication.run(SampleGrpcApplication.class, args);
	}

}
