CREATE TABLE `chunk_batches` (
	`seq` integer PRIMARY KEY NOT NULL,
	`turn` integer NOT NULL,
	`count` integer NOT NULL,
	`body` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `messages` (
	`seq` integer PRIMARY KEY NOT NULL,
	`id` text NOT NULL,
	`role` text NOT NULL,
	`parts` text NOT NULL,
	`metadata` text,
	`superseded_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `messages_id_unique` ON `messages` (`id`);--> statement-breakpoint
CREATE INDEX `messages_live` ON `messages` (`superseded_by`,`seq`);--> statement-breakpoint
CREATE TABLE `session_meta` (
	`id` text PRIMARY KEY NOT NULL,
	`owner` text NOT NULL,
	`title` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `turns` (
	`seq` integer PRIMARY KEY NOT NULL,
	`assistant_message_id` text NOT NULL,
	`status` text NOT NULL,
	`first_chunk` integer NOT NULL,
	`last_chunk` integer,
	`error_code` text,
	`started_at` integer NOT NULL,
	`ended_at` integer
);
--> statement-breakpoint
CREATE INDEX `turns_status` ON `turns` (`status`);