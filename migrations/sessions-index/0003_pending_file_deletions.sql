CREATE TABLE `pending_file_deletions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`sha256` text NOT NULL,
	`kind` text NOT NULL,
	`target` text NOT NULL,
	`attempts` integer NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `pending_file_deletions_file` ON `pending_file_deletions` (`sha256`);--> statement-breakpoint
CREATE INDEX `pending_file_deletions_due` ON `pending_file_deletions` (`next_attempt_at`);