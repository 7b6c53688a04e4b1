package dev.forker.boot.balance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.forker.boot.control.ServedPort;
import dev.forker.boot.control.WorkerEnvironment;
import dev.forker.boot.control.WorkerSocketMode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ConnectionGate}, {@link ConnectionBoard} and {@link ConnectionGates}:
 * several workers are played by gates on their own mapping of one board file, with pids
 * of their own.
 */
class ConnectionGateTests {

	@TempDir
	Path directory;

	@AfterEach
	void releaseGates() {
		ConnectionGates.releaseAll();
	}

	@Test
	void busierWorkerWaitsForTheLeastBusyAndTheLeastBusyAlwaysAccepts() throws Exception {
		ConnectionGate one = gate(101);
		ConnectionGate two = gate(102);
		one.accepting(true);
		two.accepting(true);
		assertThat(one.mayAccept()).isTrue();
		one.opened();
		// One above the least busy is within the slack
		assertThat(one.mayAccept()).isTrue();
		one.opened();
		assertThat(one.mayAccept()).isFalse();
		assertThat(two.mayAccept()).isTrue();
		two.opened();
		assertThat(one.mayAccept()).isTrue();
		one.closed();
		one.closed();
		assertThat(two.mayAccept()).isTrue();
		assertThat(one.openConnections()).isZero();
	}

	@Test
	void workerThatDoesNotAcceptIsNotWaitedFor() throws Exception {
		ConnectionGate one = gate(101);
		ConnectionGate two = gate(102);
		one.accepting(true);
		two.accepting(true);
		for (int i = 0; i < 5; i++) {
			one.opened();
		}
		assertThat(one.mayAccept()).isFalse();
		two.accepting(false);
		assertThat(one.mayAccept()).isTrue();
	}

	@Test
	void workerThatStoppedBeatingIsNotWaitedForAndItsSlotIsTakenOver() throws Exception {
		ConnectionGate one = gate(101);
		one.accepting(true);
		ConnectionBoard board = ConnectionBoard.open(boardFile());
		int slot = board.claim(102, System.currentTimeMillis() - 10_000);
		board.accepting(slot, true);
		one.opened();
		one.opened();
		one.opened();
		assertThat(one.mayAccept()).isTrue();
		// A third worker takes the slot of the one that stopped beating
		assertThat(board.claim(103, System.currentTimeMillis())).isEqualTo(slot);
		assertThat(board.owner(slot)).isEqualTo(103);
		board.close();
	}

	@Test
	void awaitTurnReturnsOnceTheLeastBusyCatchesUp() throws Exception {
		ConnectionGate one = gate(101);
		ConnectionGate two = gate(102);
		one.accepting(true);
		two.accepting(true);
		one.opened();
		one.opened();
		one.opened();
		CompletableFuture<Long> waited = CompletableFuture.supplyAsync(() -> {
			long start = System.nanoTime();
			try {
				one.awaitTurn();
			}
			catch (InterruptedException ex) {
				throw new IllegalStateException(ex);
			}
			return System.nanoTime() - start;
		});
		two.opened();
		two.opened();
		assertThat(waited.get(5, TimeUnit.SECONDS)).isLessThan(ConnectionGate.MAX_WAIT_NANOS * 4);
		assertThat(one.mayAccept()).isTrue();
	}

	@Test
	void awaitTurnGivesUpAfterItsLongestWait() throws Exception {
		ConnectionGate one = gate(101);
		ConnectionGate two = gate(102);
		one.accepting(true);
		two.accepting(true);
		one.opened();
		one.opened();
		one.opened();
		long start = System.nanoTime();
		one.awaitTurn();
		assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(ConnectionGate.MAX_WAIT_NANOS);
		assertThat(one.mayAccept()).isFalse();
	}

	@Test
	void countingGateAlwaysAcceptsAndNeverCountsBelowZero() {
		ConnectionGate gate = ConnectionGate.counting("test");
		gate.closed();
		assertThat(gate.openConnections()).isZero();
		gate.opened();
		gate.opened();
		assertThat(gate.openConnections()).isEqualTo(2);
		assertThat(gate.mayAccept()).isTrue();
		assertThat(gate.isBalancing()).isFalse();
	}

	@Test
	void gatesOfASharedPortBalanceOnABoardOnlyTheOwnerCanRead() throws Exception {
		WorkerEnvironment worker = worker(WorkerSocketMode.INHERITED, 7);
		ConnectionGate gate = ConnectionGates.forPort(worker, 18080);
		assertThat(gate.isBalancing()).isTrue();
		assertThat(ConnectionGates.forPort(worker, 18080)).isSameAs(gate);
		Path file = ConnectionBoard.file(worker.controlSocket(), 18080);
		assertThat(file).exists();
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
		gate.opened();
		assertThat(ConnectionGates.openConnections()).isEqualTo(1);
	}

	@Test
	void gatesOnlyCountInReuseportModeAndForPortsTheMasterDoesNotShare() {
		assertThat(ConnectionGates.forPort(worker(WorkerSocketMode.REUSEPORT, null), 18080).isBalancing()).isFalse();
		assertThat(ConnectionGates.forPort(worker(WorkerSocketMode.INHERITED, 7), 9090).isBalancing()).isFalse();
		assertThat(ConnectionGates.forPort(null, 7070).isBalancing()).isFalse();
	}

	@Test
	void gatesOnlyCountWhenBalancingIsSwitchedOff() {
		ConnectionGates.balance(false);
		assertThat(ConnectionGates.forPort(worker(WorkerSocketMode.INHERITED, 7), 18080).isBalancing()).isFalse();
	}

	@Test
	void stopAcceptingTellsTheOtherWorkers() throws Exception {
		ConnectionGate two = gate(102);
		two.accepting(true);
		ConnectionGate one = ConnectionGates.forPort(worker(WorkerSocketMode.INHERITED, 7), 18080);
		one.accepting(true);
		one.opened();
		one.opened();
		one.opened();
		assertThat(two.mayAccept()).isTrue();
		two.opened();
		two.opened();
		two.opened();
		two.opened();
		two.opened();
		assertThat(two.mayAccept()).isFalse();
		ConnectionGates.stopAccepting();
		assertThat(one.isAccepting()).isFalse();
		assertThat(two.mayAccept()).isTrue();
	}

	private ConnectionGate gate(long pid) throws Exception {
		return ConnectionGate.balancing("test " + pid, ConnectionBoard.open(boardFile()), pid);
	}

	private Path boardFile() {
		return ConnectionBoard.file(this.directory.resolve("control.sock"), 18080);
	}

	private WorkerEnvironment worker(WorkerSocketMode mode, Integer fd) {
		return new WorkerEnvironment(1, 10, this.directory.resolve("control.sock"), "token", mode,
				List.of(new ServedPort("server.port", 18080, fd)), Duration.ofSeconds(2), null);
	}

}
