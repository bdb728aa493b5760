import type { RouteRecordRaw } from 'vue-router';

export default [
  {
    path: '/integrations',
    name: 'integrations',
    component: () => import('./IntegrationsView.vue'),
    meta: { nav: { label: 'nav.integrations', icon: '⇄', order: 60 } },
  },
] satisfies RouteRecordRaw[];
