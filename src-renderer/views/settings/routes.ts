import type { RouteRecordRaw } from 'vue-router';

const view = () => import('./SettingsView.vue');

export default [
  { path: '/settings', name: 'settings', component: view, meta: { nav: { label: 'nav.settings', icon: '⚙', order: 100 } } },
  { path: '/settings/:tab(upstreams|tokens|security|transfer|audit|updates)', name: 'settings-tab', component: view },
] satisfies RouteRecordRaw[];
