import type { z } from 'zod';
import type { ChannelSpec, CommandSpec } from './define';
import { alertChannels, alertCommands } from './alerts';
import { dashboardChannels, dashboardCommands } from './dashboard';
import { systemChannels, systemCommands } from './system';
import { integrationChannels, integrationCommands } from './integrations';
import { logsChannels, logsCommands } from './logs';
import { adminChannels, adminCommands } from './admin';
import { executionsChannels, executionsCommands } from './keyword-hub';
import { whatsappChannels, whatsappCommands } from './evolution';
import { updateChannels, updateCommands } from './updates';

/**
 * The one contract between main and every renderer. Each area declares its commands and
 * channels in its own file; they are merged here and nowhere else.
 */
export const commands = {
  ...systemCommands,
  ...integrationCommands,
  ...adminCommands,
  ...alertCommands,
  ...logsCommands,
  ...dashboardCommands,
  ...executionsCommands,
  ...whatsappCommands,
  ...updateCommands,
} satisfies Record<string, CommandSpec>;

export const channels = {
  ...systemChannels,
  ...integrationChannels,
  ...adminChannels,
  ...alertChannels,
  ...logsChannels,
  ...dashboardChannels,
  ...executionsChannels,
  ...whatsappChannels,
  ...updateChannels,
} satisfies Record<string, ChannelSpec>;

export type Commands = typeof commands;
export type CommandName = keyof Commands;
export type CommandInput<N extends CommandName> = z.input<Commands[N]['input']>;
export type CommandArgs<N extends CommandName> = z.output<Commands[N]['input']>;
export type CommandOutput<N extends CommandName> = z.output<Commands[N]['output']>;

export type Channels = typeof channels;
export type ChannelName = keyof Channels;
export type ChannelData<C extends ChannelName> = z.output<Channels[C]['schema']>;

export const isCommandName = (name: string): name is CommandName => Object.hasOwn(commands, name);
export const isChannelName = (name: string): name is ChannelName => Object.hasOwn(channels, name);

export * from './common';
export * from './define';
export * from './wire';
